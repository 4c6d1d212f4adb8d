// The worker's render function, in process: each framework renders a page
// written as an app writes it, from the contexts the server sent, with a
// client of the render's own.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { render } from '../src/render.js';

const component = (name: string) => fileURLToPath(new URL(`./components/${name}`, import.meta.url));
const contexts = {
  'board;board_id=1': { board_name: 'Launch', board_tasks: [{ id: 1, title: 'Write </script> & <!-- the post' }] },
};

describe('react', () => {
  it('renders the page from the contexts it was given, through the app’s own provider', async () => {
    const html = await render({ file: component('Board.tsx'), export: 'Board', props: { boardId: 1 }, contexts });
    expect(html).toContain('<h1>Launch</h1>');
    expect(html).toContain('data-status="success"');
    // React escapes text: no value can open a tag or a comment in the HTML.
    expect(html).toContain('Write &lt;/script&gt; &amp; &lt;!-- the post');
  });

  it('renders an instance the page did not declare as loading, and fetches nothing', async () => {
    const html = await render({ file: component('Board.tsx'), export: 'Board', props: { boardId: 1, others: [2] }, contexts });
    expect(html).toContain('data-status="idle"');
    expect(html).toContain('Loading…');
  });

  it('gives every render a client of its own', async () => {
    const [a, b] = await Promise.all([
      render({ file: component('Board.tsx'), export: 'Board', props: { boardId: 1 }, contexts }),
      render({ file: component('Board.tsx'), export: 'Board', props: { boardId: 1 }, contexts: {} }),
    ]);
    expect(a).toContain('Launch');
    expect(b).not.toContain('Launch');
  });

  it('streams: the shell first, a boundary when it resolves', async () => {
    let release!: (text: string) => void;
    const promise = new Promise<string>((resolve) => (release = resolve));
    const chunks: string[] = [];
    const done = render({ file: component('Board.tsx'), export: 'Slow', props: { release: promise } }, (chunk) => {
      chunks.push(chunk);
      release('late content');
    });
    const rest = await done;
    expect(chunks[0]).toContain('shell');
    expect(chunks[0]).toContain('waiting');
    expect(chunks[0]).not.toContain('late content');
    expect(chunks.slice(1).join('') + rest).toContain('late content');
  });

  it('aborts at the timeout: the pending boundary is left to the client', async () => {
    const never = new Promise<string>(() => undefined);
    const chunks: string[] = [];
    const rest = await render({ file: component('Board.tsx'), export: 'Slow', props: { release: never }, timeoutMs: 50 }, (c) => chunks.push(c));
    const html = chunks.join('') + rest;
    expect(html).toContain('shell');
    expect(html).toContain('waiting');
    // React's instruction to the client: render this boundary yourself.
    expect(rest).toContain('Switched to client rendering because the server rendering aborted');
  });

  it('fails with the component’s error, and names a missing export', async () => {
    await expect(render({ file: component('Board.tsx'), export: 'Throws' })).rejects.toThrow('the component broke');
    await expect(render({ file: component('Board.tsx'), export: 'Nope' })).rejects.toThrow(/has no export `Nope` \(it exports .*Board/);
  });
});

describe('vue', () => {
  it('renders the page from the contexts it was given, through the app’s own provider', async () => {
    const html = await render({ file: component('board-vue.ts'), export: 'Board', renderer: 'vue', props: { boardId: 1 }, contexts });
    expect(html).toContain('<li>Write &lt;/script&gt; &amp; &lt;!-- the post</li>');
  });
});

describe('svelte', () => {
  it('renders the page from the contexts it was given, through the app’s own provider', async () => {
    const html = await render({ file: component('Board.svelte'), renderer: 'svelte', props: { boardId: 1 }, contexts });
    expect(html).toContain('<li>Write &lt;/script> &amp; &lt;!-- the post</li>');
  });
});
