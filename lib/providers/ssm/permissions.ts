/** The only document Sticky runs: the AWS-owned shell-script document. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

/** The tag an instance must carry before Sticky may run a command on it (the same tag as for load balancer resources). */
export const MANAGED_INSTANCE_TAG = 'sticky:service';

/**
 * The SSM operations the collector and the remediations call for HAProxy and NGINX on EC2:
 * DescribeInstanceInformation (which instances a catalog entry names, is their agent online),
 * GetCommandInvocation (a command's status and output), both read-only and without resource-level
 * permissions, and SendCommand, which runs a script and is granted only for
 * {@link RUN_SHELL_SCRIPT} on instances tagged {@link MANAGED_INSTANCE_TAG}.
 */
export const SSM_READ = ['DescribeInstanceInformation', 'GetCommandInvocation'] as const;
export const SSM_RUN = 'SendCommand';

/** As IAM actions. */
export const SSM_READ_IAM_ACTIONS = SSM_READ.map((o) => `ssm:${o}`);
export const SSM_RUN_IAM_ACTION = `ssm:${SSM_RUN}`;
