// The contract's public API: the contract data, the normalizer and the judge.
export { defaultContract, requiredEvents, agentEventTypes } from './contract';
export type { Contract, RequiredEvents, FieldPaths, AnswerEvent } from './contract';
export { normalizeFrames } from './normalize';
export type { Normalized } from './normalize';
export { judge } from './judge';
export { closeCodeName, describeClose } from './close-codes';
export { CLASS_PRIORITY } from './checks/check';
