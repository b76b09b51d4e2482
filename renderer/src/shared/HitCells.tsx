/** The cells both search tables end a hit's row with: model, tools, decision, the masked prompt. */
import { Masked } from './Masked.js';

export function HitCells({ model, tools, decision, prompt }: { model: string | null; tools: string[]; decision: string; prompt: string }) {
  const names = tools.join(', ');
  return (
    <>
      <td className="clip model c-model">{model ?? '—'}</td>
      <td className="clip tools c-tools" title={names}>
        {names || '—'}
      </td>
      <td>
        <span className={`badge ${decision}`}>{decision}</span>
      </td>
      <td className="clip">
        <Masked text={prompt} />
      </td>
    </>
  );
}
