package oauth

import (
	"crypto/sha256"
	"net/url"
	"sync"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/sdk/secret"
)

// The States defaults.
const (
	// DefaultStateTTL is how long an authorization may take, from Begin to
	// the callback.
	DefaultStateTTL = 10 * time.Minute
	// DefaultMaxPending bounds the authorizations kept at once.
	DefaultMaxPending = 1024
)

// StatesOptions tune States. The zero value gives the defaults.
type StatesOptions struct {
	// TTL is how long a state stays valid (default DefaultStateTTL).
	TTL time.Duration
	// Max bounds the states kept, pending or recently used (default
	// DefaultMaxPending). When it is reached, expired states go first, then
	// the oldest.
	Max int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// States keeps the pending authorizations of one process in memory: each
// state is single use and expires. A used state is remembered until it
// would have expired, so that a replay is told apart from a forgery. It is
// safe for concurrent use.
type States struct {
	ttl  time.Duration
	max  int
	now  func() time.Time
	mu   sync.Mutex
	byID map[[sha256.Size]byte]*pending
	// order lists the keys in creation order, which is also expiry order;
	// entries leave byID only from its head.
	order [][sha256.Size]byte
}

// pending is one authorization waiting for its callback.
type pending struct {
	cfg      Config
	verifier secret.Value
	expires  time.Time
	used     bool
}

// NewStates returns an empty store.
func NewStates(opts StatesOptions) *States {
	s := &States{ttl: opts.TTL, max: opts.Max, now: opts.Now, byID: map[[sha256.Size]byte]*pending{}}
	if s.ttl <= 0 {
		s.ttl = DefaultStateTTL
	}
	if s.max <= 0 {
		s.max = DefaultMaxPending
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// AuthRequest is a started authorization.
type AuthRequest struct {
	// URL is the authorization request to open in the user's browser.
	URL string
	// State is the request's state parameter.
	State string
	// RedirectURL is where the provider sends the browser back.
	RedirectURL string
	// ExpiresAt is when the state stops being accepted.
	ExpiresAt time.Time
}

// Begin starts an authorization for cfg: it draws a state and a PKCE
// verifier, keeps them with cfg until the callback, and returns the
// authorization request.
func (s *States) Begin(cfg Config) (*AuthRequest, error) {
	u, err := cfg.check()
	if err != nil {
		return nil, err
	}
	state, verifier := random(), random()
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", cfg.ClientID)
	q.Set("redirect_uri", cfg.RedirectURL)
	if cfg.Scope != "" {
		q.Set("scope", cfg.ScopeDelimiter.Join(cfg.Scope))
	}
	q.Set("state", state)
	if cfg.PKCE != manifest.PKCENone {
		method := cfg.PKCE
		if method == "" {
			method = manifest.PKCES256
		}
		q.Set("code_challenge", Challenge(method, verifier))
		q.Set("code_challenge_method", string(method))
	}
	for k, v := range cfg.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	if cfg.Params != nil {
		cfg.Params = copyMap(cfg.Params)
	}
	if cfg.Token != nil {
		t := *cfg.Token
		cfg.Token = &t
	}
	now := s.now()
	p := &pending{cfg: cfg, verifier: secret.New(verifier), expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	key := sha256.Sum256([]byte(state))
	s.byID[key] = p
	s.order = append(s.order, key)
	return &AuthRequest{URL: u.String(), State: state, RedirectURL: cfg.RedirectURL, ExpiresAt: p.expires}, nil
}

// prune drops expired states and, when the store is full, the oldest ones,
// to make room for one more. The caller holds s.mu.
func (s *States) prune(now time.Time) {
	for len(s.order) > 0 {
		head := s.order[0]
		if p := s.byID[head]; len(s.order) < s.max && now.Before(p.expires) {
			return
		}
		delete(s.byID, head)
		s.order = s.order[1:]
	}
}

// Len returns the number of states kept, pending or recently used.
func (s *States) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// Callback checks an authorization response's parameters (the redirect
// URL's query) and returns the grant to exchange. The state is consumed
// whatever the outcome, so a callback is accepted once.
//
// The checks, in order: one state that belongs to a pending, unexpired
// authorization (*StateError); the iss parameter (*IssuerError); an error
// response (*CallbackError); one code (ErrNoCode).
func (s *States) Callback(q url.Values) (*Grant, error) {
	states := q["state"]
	if len(states) != 1 || states[0] == "" {
		return nil, &StateError{Problem: StateMissing, ProviderError: clean(q.Get("error"))}
	}
	p, problem := s.take(states[0])
	if problem != "" {
		return nil, &StateError{Problem: problem, ProviderError: clean(q.Get("error"))}
	}
	cfg := p.cfg
	if iss, ok := q["iss"]; ok || cfg.RequireIssuer {
		if len(iss) != 1 || iss[0] == "" {
			return nil, &IssuerError{Want: cfg.Issuer}
		}
		if cfg.Issuer != "" && iss[0] != cfg.Issuer {
			return nil, &IssuerError{Want: cfg.Issuer, Got: iss[0]}
		}
	}
	if code := q.Get("error"); code != "" {
		return nil, &CallbackError{Code: clean(code), Description: clean(q.Get("error_description")),
			URI: cleanURI(q.Get("error_uri")), RedirectURL: cfg.RedirectURL}
	}
	codes := q["code"]
	if len(codes) != 1 || codes[0] == "" {
		return nil, ErrNoCode
	}
	return &Grant{Code: secret.New(codes[0]), cfg: cfg, verifier: p.verifier}, nil
}

// take consumes the pending authorization of a state.
func (s *States) take(state string) (*pending, StateProblem) {
	key := sha256.Sum256([]byte(state))
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[key]
	switch {
	case !ok:
		return nil, StateUnknown
	case p.used:
		return nil, StateReplayed
	}
	taken := *p
	// Keep a tombstone without the secrets, to recognise a replay.
	*p = pending{expires: p.expires, used: true}
	if !s.now().Before(taken.expires) {
		return nil, StateExpired
	}
	return &taken, ""
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
