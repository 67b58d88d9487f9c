/**
 * The Worker's queue consumers: the events queue (failures go to the dead-letter queue, which
 * Pulumi names by queue *name*) and the dead-letter queue itself (dead letters land in D1 for
 * inspection and replay). Settings come from the manifest, overridable per stack.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { consumerSettings } from "./bindings";
import { resourceName } from "./names";
import type { ConsumerSettings } from "./settings";

export interface QueueConsumersArgs {
  stack: string;
  accountId: pulumi.Input<string>;
  /** The consuming Worker's script name (its output, so consumers wait for the script). */
  scriptName: pulumi.Input<string>;
  events: cloudflare.Queue;
  deadLetters: cloudflare.Queue;
  eventsSettings: ConsumerSettings;
  deadLetterSettings: ConsumerSettings;
}

/** Attaches the Worker as consumer of the events queue and of the dead-letter queue. */
export class QueueConsumers extends pulumi.ComponentResource {
  readonly events: cloudflare.QueueConsumer;
  readonly deadLetters: cloudflare.QueueConsumer;

  constructor(name: string, args: QueueConsumersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pathmeter:infra:QueueConsumers", name, {}, opts);
    const { stack, accountId, scriptName } = args;
    this.events = new cloudflare.QueueConsumer(
      resourceName(stack, "events-consumer"),
      {
        accountId,
        // queueId takes the queue's id; deadLetterQueue takes a queue *name*.
        queueId: args.events.queueId,
        scriptName,
        type: "worker",
        deadLetterQueue: args.deadLetters.queueName,
        settings: consumerSettings(args.eventsSettings),
      },
      { parent: this },
    );
    this.deadLetters = new cloudflare.QueueConsumer(
      resourceName(stack, "events-dlq-consumer"),
      {
        accountId,
        queueId: args.deadLetters.queueId,
        scriptName,
        type: "worker",
        settings: consumerSettings(args.deadLetterSettings),
      },
      { parent: this },
    );
    this.registerOutputs({ events: this.events.id, deadLetters: this.deadLetters.id });
  }
}
