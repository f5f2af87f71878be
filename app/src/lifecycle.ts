/** Where this instance is in its life: readiness is 503 unless it is "ready". */
export type LifecycleState = "starting" | "ready" | "draining";

export class Lifecycle {
  private current: LifecycleState = "starting";

  get state(): LifecycleState {
    return this.current;
  }

  markReady(): void {
    if (this.current === "starting") this.current = "ready";
  }

  /** Called first on shutdown so the load balancer stops sending traffic before the server closes. */
  beginDrain(): void {
    this.current = "draining";
  }
}
