import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

/** How long a refused client may go on sending before its connection is dropped. */
const LINGER_MS = 5_000;
/** How much of what it goes on sending is read and thrown away before the connection is dropped. */
const LINGER_BYTES = 8 * 1024 * 1024;

/** Node's own status lines for what its parser refuses (`_http_server.js`). */
function statusFor(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return '413 Payload Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

/**
 * Answers a request Node's HTTP parser refuses (headers over 16 KiB, a malformed request line or
 * header, conflicting lengths) and then closes the connection gently: a lingering close, as nginx
 * and Apache do.
 *
 * Node's default writes its answer and destroys the socket at once. A client still sending (the
 * body behind too long a header) then has its unread bytes answered by a TCP reset, and a client
 * that had not read the answer yet loses it to ECONNRESET: a POS saw its `/sale` fail with no
 * answer at all (the bounded fuzz run in CI; by hand, one such request in five, nearly all when
 * the client is busy for 20 ms). Here the answer is written, the sending side closed, and whatever
 * the client still sends is read and thrown away until it closes — at most LINGER_MS and
 * LINGER_BYTES, then the connection is dropped.
 */
export function answerRefusedRequests(server: Server, logger: Logger): void {
  const answered = new WeakSet<Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // The parser stays in its error state: every later chunk of this connection comes back here.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    // An answer already under way on this connection cannot be followed by another one.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inFlight?.headersSent) return void socket.destroy();
    logger.debug({ code: error.code, reason: error.message }, 'http request refused by the parser');
    socket.end(`HTTP/1.1 ${statusFor(error.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    let drained = 0;
    const drop = () => socket.destroy();
    const timer = setTimeout(drop, LINGER_MS);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > LINGER_BYTES) drop();
    });
    socket.once('end', drop);
    socket.once('close', () => clearTimeout(timer));
  });
}
