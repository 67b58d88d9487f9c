/** The events queue and its dead-letter queue (`pathmeter-<stack>-events`, `-events-dlq`). */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { manifest } from "../worker/src/manifest";
import { resourceName } from "./names";
import { DEFAULTS } from "./settings";

export interface EventQueuesArgs {
  stack: string;
  accountId: pulumi.Input<string>;
  /**
   * Seconds an unconsumed message is kept before Queues drops it.
   * @default 86400 (1 day, the Free plan's maximum)
   */
  messageRetentionSeconds?: number;
}

/** The two queues of the pipeline; consumers are attached once the Worker exists (consumers.ts). */
export class EventQueues extends pulumi.ComponentResource {
  /** Receives one message per recorded request. */
  readonly events: cloudflare.Queue;
  /** Receives messages that failed every retry; its consumer stores them in D1. */
  readonly deadLetters: cloudflare.Queue;

  constructor(name: string, args: EventQueuesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pathmeter:infra:EventQueues", name, {}, opts);
    // Every field the API returns, so a refresh finds nothing to change.
    const settings = {
      deliveryDelay: 0,
      deliveryPaused: false,
      messageRetentionPeriod: args.messageRetentionSeconds ?? DEFAULTS.queueRetentionSeconds,
    };
    const queue = (logical: string) => {
      const queueName = resourceName(args.stack, logical);
      return new cloudflare.Queue(
        queueName,
        { accountId: args.accountId, queueName, settings },
        { parent: this },
      );
    };
    this.events = queue(manifest.queues.events.name);
    this.deadLetters = queue(manifest.queues.deadLetters.name);
    this.registerOutputs({ eventsQueue: this.events.queueName, deadLetterQueue: this.deadLetters.queueName });
  }
}
