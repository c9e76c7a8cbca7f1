/** The two activities of the versioning example: a look at the job, and an alert. */
export interface SupervisorActivities {
  look(round: number): Promise<string>;
  tell(round: number): Promise<void>;
}
