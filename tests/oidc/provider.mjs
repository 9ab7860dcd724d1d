// A real OpenID provider for tests/test_oidc.py: oidc-provider (OpenID certified) with its
// development login and consent pages. Configured from the environment the test gives:
//   OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI,
//   OIDC_ACCOUNTS: {"<login>": {"email": ..., "email_verified": ..., "name": ...}, ...}
// Prints "ready <issuer>" once it listens. NODE_ENV stays unset: development mode allows an
// http issuer on 127.0.0.1.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { methods: ['S256'], required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The default (true) keeps scope claims out of the ID token, for the UserInfo endpoint only;
  // OIDC_CONFORM=false puts them in the ID token, as Keycloak and most others do.
  conformIdTokenClaims: process.env.OIDC_CONFORM !== 'false',
  cookies: { keys: ['bwm-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
