//! The `openidconnect` crate as a real relying party: discovery, the authorization URL
//! with PKCE, state and nonce, the code exchange, ID token verification, userinfo.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};

/// A client built from discovery.
pub type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A relying party: its client and HTTP client.
pub struct Rp {
    /// The openidconnect client.
    pub client: Client,
    /// HTTP without redirects (RFC 9700 §2.1: never follow token endpoint redirects).
    pub http: reqwest::Client,
}

/// One authorization request in flight.
pub struct Flow {
    /// Where to send the browser.
    pub url: url::Url,
    /// The state sent.
    pub state: CsrfToken,
    /// The nonce sent.
    pub nonce: Nonce,
    /// The PKCE verifier.
    pub verifier: PkceCodeVerifier,
}

/// The standard redirect URI of the test clients.
pub const REDIRECT: &str = "http://127.0.0.1:9/cb";

impl Rp {
    /// Discovers the provider and builds a client. `secret: None` is a public client.
    pub async fn discover(issuer: &str, client_id: &str, secret: Option<&str>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http");
        let metadata = CoreProviderMetadata::discover_async(
            IssuerUrl::new(issuer.to_owned()).expect("issuer"),
            &http,
        )
        .await
        .expect("discovery");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(client_id.to_owned()),
            secret.map(|s| ClientSecret::new(s.to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).expect("redirect"));
        Rp { client, http }
    }

    /// Sends the secret in the form body (client_secret_post).
    pub fn with_post_auth(mut self) -> Self {
        self.client = self.client.set_auth_type(AuthType::RequestBody);
        self
    }

    /// Builds an authorization request with PKCE S256, state and nonce, `scopes` beyond
    /// `openid` and `extra` parameters.
    pub fn start(&self, scopes: &[&str], extra: &[(&str, &str)]) -> Flow {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in scopes {
            req = req.add_scope(Scope::new((*s).to_owned()));
        }
        for (k, v) in extra {
            req = req.add_extra_param(*k, *v);
        }
        let (url, state, nonce) = req.url();
        Flow {
            url,
            state,
            nonce,
            verifier,
        }
    }

    /// Exchanges a code.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
    ) -> Result<CoreTokenResponse, String> {
        self.client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .expect("token endpoint")
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| format!("{e:?}"))
    }
}
