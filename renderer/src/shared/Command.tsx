import { shellTokens } from '../format.js';
import { commandRisks } from '../model.js';
import { Masked } from './Masked.js';

/**
 * A shell command as a reviewer reads it: wrapped only between shell tokens (a token never
 * breaks, a very long one scrolls sideways), with the dangerous parts (`rm -rf`, `| sh`,
 * `sudo`, `--force`, `~/.ssh`) highlighted and named.
 */
export function Command({ command }: { command: string }) {
  const risks = commandRisks(command);
  let at = 0;
  return (
    <pre className="text cmd" aria-label="Command">
      <span className="prompt" aria-hidden>
        ${' '}
      </span>
      {shellTokens(command).map((t, i) => {
        const start = at;
        at += t.text.length;
        if (t.space) return <span key={i}>{t.text}</span>;
        const hit = risks.find((r) => r.start < at && r.end > start);
        return (
          <span key={i} className={hit ? 'tok risk' : 'tok'} title={hit?.label}>
            <Masked text={t.text} />
          </span>
        );
      })}
    </pre>
  );
}
