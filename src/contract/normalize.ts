// Frames -> agent events, for a whole list of frames at once (tests, and evidence given as frames). The probe
// itself feeds a FrameLog frame by frame as they arrive; this is the same log, filled in one go.
import { defaultContract, type Contract } from './contract';
import { FrameLog } from './frame-log';
import type { AgentEvent, FrameRecord } from './types';

export interface Normalized {
  events: AgentEvent[];
  warnings: string[];
}

export function normalizeFrames(frames: FrameRecord[], contract: Contract = defaultContract): Normalized {
  const log = FrameLog.of(frames, contract);
  return { events: log.events, warnings: log.warnings() };
}
