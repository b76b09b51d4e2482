import type { Preview } from '../../proxy/model/index.js';
import { Masked } from './Live.js';

/** A tool call rendered for what it does: the diff, the new file, the command, the URLs. */
export function Previews({ previews }: { previews: Preview[] }) {
  return (
    <>
      {previews.map((p, i) => (
        <div key={i} className="preview">
          {p.kind === 'command' && (
            <pre className="text cmd">
              $ <Masked text={p.command} />
            </pre>
          )}
          {p.kind === 'replace' && (
            <>
              <div className="file">{p.file}</div>
              {p.oldText && (
                <pre className="text del" aria-label="removed">
                  <Masked text={p.oldText} />
                </pre>
              )}
              <pre className="text add" aria-label="added">
                <Masked text={p.newText} />
              </pre>
            </>
          )}
          {p.kind === 'create' && (
            <>
              <div className="file">new file {p.file}</div>
              <pre className="text add">
                <Masked text={p.content} />
              </pre>
            </>
          )}
          {p.kind === 'patch' && <Patch text={p.text} />}
          {p.kind === 'urls' && (
            <ul className="urls">
              {p.urls.map((u) => (
                <li key={u}>
                  <code>{u}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </>
  );
}

/** An apply_patch envelope, its added and removed lines coloured. */
function Patch({ text }: { text: string }) {
  return (
    <pre className="text patch">
      {text.split('\n').map((line, i) => (
        <span key={i} className={line.startsWith('***') ? 'ph' : line.startsWith('+') ? 'pa' : line.startsWith('-') ? 'pd' : line.startsWith('@@') ? 'ph' : undefined}>
          <Masked text={line} />
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
