/**
 * Pulumi program of project `pathmeter` (Pulumi.yaml `main`). Pulumi calls the exported async
 * function and uses what it returns as the stack outputs; the program lives in ./main.ts.
 */
import { main } from "./main";

export = main;
