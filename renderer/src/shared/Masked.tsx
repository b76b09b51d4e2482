const MASK = /(\[MASKED:[a-z0-9-]+:[0-9a-f]{4}\])/g;

/** Text with masked spans highlighted (the placeholder names the secret type). */
export function Masked({ text }: { text: string }) {
  return (
    <>
      {text.split(MASK).map((part, i) =>
        i % 2 ? (
          <mark key={i} className="masked" title={`masked ${part.split(':')[1]}`}>
            {part}
          </mark>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}
