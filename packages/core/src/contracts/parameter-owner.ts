import type { Variable } from '@tensorflow/tfjs-core';

/** Anything with trainable parameters named by PyTorch `state_dict` keys. */
export interface ParameterOwner {
  /** Parameters by their `state_dict` name, in registration order. */
  namedParameters(): Map<string, Variable>;
}
