import type { Preview } from '../../../proxy/model/index.js';
import { riskyPath } from '../model.js';
import { Command } from './Command.js';
import { Masked } from './Masked.js';

/** A file path, marked when writing there is dangerous (keys, credentials, start-up files). */
export function FilePath({ path, prefix = '' }: { path: string; prefix?: string }) {
  const risky = riskyPath(path);
  return (
    <div className={`file${risky ? ' risk' : ''}`} title={risky ? 'sensitive path' : undefined}>
      {prefix}
      {path}
    </div>
  );
}

/** A tool call rendered for what it does: the diff, the new file, the command, the URLs. */
export function Previews({ previews }: { previews: Preview[] }) {
  return (
    <>
      {previews.map((p, i) => (
        <div key={i} className="preview">
          {p.kind === 'command' && <Command command={p.command} />}
          {p.kind === 'replace' && (
            <>
              <FilePath path={p.file} />
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
              <FilePath path={p.file} prefix="new file " />
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
