import { BarePage, Layout, type ShellUser } from '../layout.js';

export interface ErrorProps {
  status: number;
  code: string;
  message: string;
  siteName: string;
  user?: ShellUser | undefined;
  csrfToken?: string | undefined;
}

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'That conflicts with the current state',
  413: 'Too much data',
  422: 'Please check the input',
  429: 'Slow down',
  500: 'Something went wrong on the box',
  503: 'The box is busy',
};

export function ErrorBody(props: Pick<ErrorProps, 'status' | 'code' | 'message'>) {
  return (
    <section class="error-page" role="alert">
      <h1>{TITLES[props.status] ?? 'Error'}</h1>
      <p>{props.message}</p>
      <p class="muted">
        Code <code>{props.code}</code> · HTTP {props.status}
      </p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </section>
  );
}

export function ErrorPage(props: ErrorProps) {
  const title = TITLES[props.status] ?? 'Error';
  if (props.user) {
    return (
      <Layout title={title} siteName={props.siteName} user={props.user} csrfToken={props.csrfToken}>
        <ErrorBody {...props} />
      </Layout>
    );
  }
  return (
    <BarePage title={title} siteName={props.siteName}>
      <ErrorBody {...props} />
    </BarePage>
  );
}

/** The htmx variant: a fragment placed into the page's error slot. */
export function ErrorFragment(props: Pick<ErrorProps, 'status' | 'code' | 'message'>) {
  return (
    <div class="notice error" role="alert">
      <strong>{TITLES[props.status] ?? 'Error'}:</strong> {props.message} <code>{props.code}</code>
    </div>
  );
}
