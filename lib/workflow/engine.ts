import type { TriageInput } from './steps.ts';

/** Starts triages and resumes the ones waiting for a decision: Step Functions in AWS, in-process locally. */
export interface Engine {
  start(input: TriageInput): Promise<string>;
  sendTaskSuccess(token: string, output: Record<string, unknown>): Promise<void>;
  sendTaskFailure(token: string, error: string, cause: string): Promise<void>;
}

/** Step Functions: StartExecution, and SendTaskSuccess/SendTaskFailure from the button handler. */
export class StepFunctionsEngine implements Engine {
  private readonly stateMachineArn: string;
  private readonly region: string | undefined;
  constructor(stateMachineArn: string, region?: string) {
    this.stateMachineArn = stateMachineArn;
    this.region = region;
  }

  private async client() {
    const sfn = await import('@aws-sdk/client-sfn');
    return { sfn, client: new sfn.SFNClient(this.region ? { region: this.region } : {}) };
  }

  /**
   * Starts the execution of a triage. A triage with an id is started under that id as the
   * execution name, so it runs at most once: when Step Functions answers ExecutionAlreadyExists
   * (the execution is closed, or was started with other input, e.g. by the sweeper re-driving an
   * alarm whose first start only seemed to fail) the triage is already running or done, and the
   * existing execution's ARN is returned instead of an error that would be retried forever.
   */
  async start(input: TriageInput): Promise<string> {
    const { sfn, client } = await this.client();
    try {
      const r = await client.send(new sfn.StartExecutionCommand({ stateMachineArn: this.stateMachineArn, input: JSON.stringify(input), ...(input.triageId ? { name: input.triageId } : {}) }));
      return r.executionArn!;
    } catch (e) {
      if (input.triageId && (e as { name?: string }).name === 'ExecutionAlreadyExists') return executionArn(this.stateMachineArn, input.triageId);
      throw e;
    }
  }

  async sendTaskSuccess(token: string, output: Record<string, unknown>): Promise<void> {
    const { sfn, client } = await this.client();
    await client.send(new sfn.SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    const { sfn, client } = await this.client();
    await client.send(new sfn.SendTaskFailureCommand({ taskToken: token, error, cause }));
  }
}

/** The ARN of execution `name` of a state machine (`arn:aws:states:region:account:execution:machine:name`). */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
