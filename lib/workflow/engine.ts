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

  async start(input: TriageInput): Promise<string> {
    const { sfn, client } = await this.client();
    const r = await client.send(new sfn.StartExecutionCommand({ stateMachineArn: this.stateMachineArn, input: JSON.stringify(input), ...(input.triageId ? { name: input.triageId } : {}) }));
    return r.executionArn!;
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
