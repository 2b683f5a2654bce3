/** What the ordering code needs to know about a job: who it belongs to. */
export interface QueuedJob {
  readonly id: string;
  readonly guildId: string;
  readonly userId: string;
}
