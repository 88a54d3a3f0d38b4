import { useId, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { applyCompletion, completionsAt } from './filter-completion';
import type { FilterKeys } from './filter-completion';

/**
 * The runs filter input with completion of `metrics.`/`params.`/`tags.`/`attributes.` and of the keys
 * found in the loaded runs: an ARIA combobox whose list opens as you type. ArrowUp/Down move through
 * it, Enter or Tab take the highlighted entry (Tab takes the first when none is), Escape closes it.
 * Enter with nothing highlighted submits the form as before.
 */
export function FilterBox({
  value,
  onChange,
  keys,
}: {
  value: string;
  onChange: (text: string) => void;
  keys: FilterKeys;
}) {
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const options = useMemo(() => (open ? completionsAt(value, caret, keys) : []), [open, value, caret, keys]);
  const shown = options.length > 0;
  const optionId = (i: number) => `${listId}-${i}`;

  const edit = (text: string, at: number) => {
    onChange(text);
    setCaret(at);
    setActive(-1);
    setOpen(true);
  };
  const accept = (index: number) => {
    const next = applyCompletion(value, options[index]!);
    edit(next.text, next.caret);
    // Put the caret after the inserted text once React has written the new value.
    requestAnimationFrame(() => input.current?.setSelectionRange(next.caret, next.caret));
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!shown) {
      if (e.key === 'ArrowDown') setOpen(true);
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      // Cycles through the options and "none highlighted" (-1), where Enter submits again.
      const slots = options.length + 1;
      setActive((i) => ((i + 1 + step + slots) % slots) - 1);
    } else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      accept(active);
    } else if (e.key === 'Tab' && !e.shiftKey) {
      e.preventDefault();
      accept(Math.max(active, 0));
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  };

  return (
    <div className="filter-box">
      <input
        ref={input}
        className="filter"
        aria-label="Filter runs"
        placeholder={`metrics.rmse < 1 and params.model = "tree"`}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={listId}
        aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => edit(e.target.value, e.target.selectionStart ?? e.target.value.length)}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Filter completions"
        className="filter-completions"
        hidden={!shown}
      >
        {options.map((o, i) => (
          <li
            key={o.label}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            // mousedown, not click: the input must keep focus (a blur would close the list first).
            onMouseDown={(e) => {
              e.preventDefault();
              accept(i);
            }}
          >
            {o.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
