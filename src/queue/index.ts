/** The job queue's public surface: the scheduler, its types and its errors. */
export { FairScheduler } from './fair-scheduler.ts';
export type { Scheduler, SchedulerTicket } from './scheduler.ts';
export type {
  CancelResult,
  DurationEstimate,
  FairSchedulerOptions,
  JobInfo,
  JobRequest,
  JobTicket,
  QueueSnapshot,
  RunningJobInfo,
  WaitingJobInfo,
} from './scheduler-types.ts';
export type { Eta } from './eta.ts';
export {
  JobCancelledError,
  JobRefusedError,
  QueueClosedError,
} from './queue-errors.ts';
