import { Csrf } from '../../partials/form.js';

const WHY: Record<string, string> = {
  marked: 'marked important',
  unmarked: 'marked not important',
  poller: 'uplink (seen by the poller)',
  name: 'uplink (by its name)',
  neighbour: 'uplink (network gear seen over LLDP)',
  none: 'not important',
};

/**
 * Whether an interface is important (alerts when it goes down) and a form to change it, for the
 * device page's interface table. Operators and admins get the buttons; others see the state.
 */
export function ImportantToggle(props: {
  deviceId: string;
  ifIndex: string;
  important: boolean;
  reason: string;
  detail?: string | undefined;
  csrfToken: string;
  canChange: boolean;
}) {
  const why = WHY[props.reason] ?? props.reason;
  const action = `/monitoring/rules/interfaces/${encodeURIComponent(props.deviceId)}/${encodeURIComponent(props.ifIndex)}`;
  const auto = props.reason !== 'marked' && props.reason !== 'unmarked';
  return (
    <span class="important-toggle" id={`important-${props.ifIndex}`}>
      <span class={props.important ? 'pill ok' : 'pill'} title={props.detail ?? why}>
        {props.important ? 'important' : 'normal'}
      </span>{' '}
      <span class="small muted">{why}</span>
      {props.canChange ? (
        <form method="post" action={action} class="inline">
          <Csrf token={props.csrfToken} />
          {props.important ? null : (
            <button type="submit" name="important" value="true" class="link">
              Mark important
            </button>
          )}
          {props.important ? (
            <button type="submit" name="important" value="false" class="link">
              Not important
            </button>
          ) : null}
          {auto ? null : (
            <button type="submit" name="important" value="auto" class="link">
              Automatic
            </button>
          )}
        </form>
      ) : null}
    </span>
  );
}
