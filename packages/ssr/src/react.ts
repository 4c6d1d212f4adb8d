/**
 * React: `renderToPipeableStream`, streamed as React flushes. The shell
 * (everything outside pending Suspense boundaries) is the first piece; the
 * boundaries follow as they resolve. At the timeout the render is aborted:
 * React sends the fallbacks of what is still pending and the client renders
 * those parts.
 */
import type { MizanClient } from '@mizan/base';
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type { ComponentType } from 'react';
import type { Emit } from './render.js';
import { RenderTimeout } from './timeout.js';

export async function renderReact(
  component: unknown,
  props: Record<string, unknown>,
  client: MizanClient,
  timeoutMs: number,
  emit: Emit,
): Promise<string> {
  const [{ createElement }, { renderToPipeableStream }, { MizanProvider }] = await Promise.all([
    import('react'),
    import('react-dom/server'),
    import('@mizan/react'),
  ]);
  // The app's own `<MizanProvider config>` inside inherits this client.
  const element = createElement(MizanProvider, { client }, createElement(component as ComponentType<Record<string, unknown>>, props));
  return new Promise<string>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let unsent = '';
    let flushScheduled = false;
    let settled = false;
    // Writes of one tick go out as one piece: a page without pending
    // boundaries is one message.
    const flush = () => {
      flushScheduled = false;
      if (!settled && unsent) {
        emit(unsent);
        unsent = '';
      }
    };
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        unsent += decoder.write(chunk);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
        done();
      },
      final(done) {
        unsent += decoder.end();
        settle(() => resolve(unsent));
        done();
      },
    });
    const stream = renderToPipeableStream(element, {
      onShellReady: () => stream.pipe(sink),
      onShellError: (error) => settle(() => reject(error)),
      // Every error, the shell's included (a boundary's: the client renders that part).
      onError: (error) => console.error('[mizan-ssr]', error),
    });
    const timer = setTimeout(() => stream.abort(new RenderTimeout(timeoutMs)), timeoutMs);
  });
}
