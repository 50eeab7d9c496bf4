// A per-second byte budget shared by connections: server.kbytes-per-second, counted per server
// socket as lighttpd counts it per $SERVER["socket"] context (global_bytes_per_second_cnt), and
// reset by the 1-second trigger.
export class TrafficBudget {
  usedThisSecond = 0;

  /** @param bytesPerSecond 0 means unlimited */
  constructor(public bytesPerSecond = 0) {}

  /** Bytes that may still be written this second (Infinity when unlimited). */
  remaining(): number {
    return this.bytesPerSecond === 0 ? Infinity : this.bytesPerSecond - this.usedThisSecond;
  }

  reset(): void {
    this.usedThisSecond = 0;
  }
}
