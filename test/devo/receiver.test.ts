import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLineReceiver, type LineReceiver } from '../../sim/devo/index.ts';

let receiver: LineReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Writes `bytes` one byte per write (so every frame and character is split), then half-closes. */
async function trickle(port: number, bytes: Buffer): Promise<{ sawEnd: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let sawEnd = false;
  socket.on('data', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.once('end', () => {
    sawEnd = true;
  });
  for (const byte of bytes) {
    await new Promise<void>((resolve) => socket.write(Buffer.of(byte), () => resolve()));
  }
  socket.end();
  await closed;
  return { sawEnd };
}

describe('Devo line receiver', () => {
  it('reassembles lines and octet-counted frames split across chunks, and answers EOF with EOF', async () => {
    receiver = await startLineReceiver();
    const framed = '<14>2026-01-01T00:00:00.000Z h a.b: multi\nline é\n';
    const stream = [
      '<14>2026-01-01T00:00:00.000Z host-1 app.lark.audit.event: {"k":"v é"}\n',
      `${Buffer.byteLength(framed)} ${framed}`,
      'not a syslog line\n',
      '<13>ts h t: tail without newline',
    ].join('');
    const { sawEnd } = await trickle(receiver.port, Buffer.from(stream));
    expect(sawEnd).toBe(true);
    expect(receiver.lines.map(({ raw: _raw, ...line }) => line)).toEqual([
      { priority: 14, timestamp: '2026-01-01T00:00:00.000Z', hostname: 'host-1', tag: 'app.lark.audit.event', message: '{"k":"v é"}', json: { k: 'v é' } },
      { priority: 14, timestamp: '2026-01-01T00:00:00.000Z', hostname: 'h', tag: 'a.b', message: 'multi\nline é' },
      { priority: -1, timestamp: '', hostname: '', tag: '', message: '' },
      { priority: 13, timestamp: 'ts', hostname: 'h', tag: 't', message: 'tail without newline' },
    ]);
    expect(receiver.lines[2]?.raw).toBe('not a syslog line');
    expect(receiver.connections).toBe(1);
  });

  it('waitForLines rejects with the count it reached', async () => {
    receiver = await startLineReceiver();
    await expect(receiver.waitForLines(1, 50)).rejects.toThrow('0 of 1 lines after 50 ms');
  });
});
