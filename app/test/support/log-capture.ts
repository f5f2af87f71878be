import { Writable } from "node:stream";

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A pino destination that keeps the parsed JSON lines, for assertions on logs. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
    callback();
  }
}
