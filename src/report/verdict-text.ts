// Short texts shared by the summary and the console.

import { defaultContract, requiredEvents } from '../contract/contract';

export function requiredEventsLine(): string {
  return `Required, in this order of first appearance: ${requiredEvents(defaultContract).join(' → ')}.`;
}
