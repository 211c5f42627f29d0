import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';

/** A first query for the Sandbox: sign in, then paste the token into the Authorization header. */
const SANDBOX_DOCUMENT = `# Sign in with a demo login (README, "Demo logins"), then set the header
#   Authorization: Bearer <accessToken>
# in the Headers tab below and run any query, e.g. { me { email permissions } }
mutation SignIn($input: LoginInput!) {
  login(input: $input) { accessToken expiresAt activePublisher { slug } }
}`;

/** The gateway's page in development: the embedded Apollo Sandbox, pointed at this gateway. */
export function sandboxLandingPage(): ApolloServerPlugin {
  return ApolloServerPluginLandingPageLocalDefault({
    embed: { runTelemetry: false, endpointIsEditable: false, initialState: { pollForSchemaUpdates: false } },
    footer: false,
    document: SANDBOX_DOCUMENT,
    variables: { input: { email: 'owner@dmp.demo', password: '<the demo password>', publisher: 'dmp' } },
    headers: { Authorization: 'Bearer <accessToken>' },
  });
}

/**
 * An offline GraphiQL at /graphiql: every asset is in the page (from the npm package), so it works
 * with no network beyond the gateway, unlike the Sandbox, which loads from Apollo's CDN. The bar
 * on top signs in through the gateway's own `login` and starts GraphiQL with the token set.
 */
export function graphiqlPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Publishing Platform · GraphiQL</title>
  <link rel="icon" href="${favicon}" />
  <style>${css}</style>
  <style>${LOGIN_BAR_CSS}</style>
</head>
<body class="no-focus-outline">
  <form id="login-bar">
    <strong>Publishing Platform</strong>
    <input name="email" type="email" placeholder="owner@dmp.demo" autocomplete="username" required />
    <input name="password" type="password" placeholder="password" autocomplete="current-password" required />
    <input name="publisher" placeholder="publisher (slug, optional)" />
    <button type="submit">Sign in</button>
    <button type="button" id="sign-out">Sign out</button>
    <span id="login-status" role="status"></span>
  </form>
  <div id="root"></div>
  <script>
    const blob = (source) => URL.createObjectURL(new Blob([source], { type: 'application/javascript' }));
    const workers = {
      editorWorkerService: blob(${JSON.stringify(editorWorkerService)}),
      json: blob(${JSON.stringify(jsonWorker)}),
      graphql: blob(${JSON.stringify(graphqlWorker)}),
    };
    self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workers[label] };
    ${js};
  </script>
  <script>${LOGIN_SCRIPT}</script>
</body>
</html>`;
}

const LOGIN_BAR_CSS = `
  body { margin: 0; height: 100vh; display: flex; flex-direction: column; }
  #root { flex: 1; min-height: 0; }
  #login-bar { display: flex; gap: 8px; align-items: center; padding: 6px 12px; font: 13px system-ui, sans-serif;
               border-bottom: 1px solid #ddd; background: #f6f7f9; }
  #login-bar input { padding: 4px 6px; }
  #login-status { color: #555; }`;

// Runs in the browser. The token lives in this tab's sessionStorage only; signing in resets
// GraphiQL's saved tabs so that the new Authorization header is the one shown and sent.
const LOGIN_SCRIPT = `
  const TOKEN = 'platform:graphiql:token';
  const WHO = 'platform:graphiql:who';
  const status = document.getElementById('login-status');
  const token = sessionStorage.getItem(TOKEN);
  status.textContent = token ? 'Signed in as ' + sessionStorage.getItem(WHO) : 'Not signed in: only login and the schema answer';
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), {
    title: 'Publishing Platform',
    endpoint: '/graphql',
    defaultQuery: '{\\n  me {\\n    email\\n    permissions\\n  }\\n}\\n',
    headers: token ? JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2) : undefined,
  });
  function restart(newToken, who) {
    if (newToken) { sessionStorage.setItem(TOKEN, newToken); sessionStorage.setItem(WHO, who); }
    else { sessionStorage.removeItem(TOKEN); sessionStorage.removeItem(WHO); }
    localStorage.removeItem('graphiql:tabState');
    localStorage.removeItem('graphiql:headers');
    location.reload();
  }
  document.getElementById('sign-out').addEventListener('click', () => restart(null));
  document.getElementById('login-bar').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const input = { email: form.get('email'), password: form.get('password') };
    if (form.get('publisher')) input.publisher = form.get('publisher');
    status.textContent = 'Signing in…';
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken user { email } activePublisher { slug } } }',
        variables: { input },
      }),
    });
    const result = await response.json();
    const login = result.data && result.data.login;
    if (!login) { status.textContent = (result.errors && result.errors[0].message) || 'Sign-in failed'; return; }
    restart(login.accessToken, login.user.email + ' in ' + login.activePublisher.slug);
  });`;
