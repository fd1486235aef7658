package validator

import "time"

// checkTestMissing reports a manifest without a test call.
func checkTestMissing(c *context) {
	if c.m.Test == nil {
		c.reportKey("", "the manifest has no test call, so a connection cannot be verified: add test: {request: {method: GET, path: ...}} with the provider's \"current user\" or \"account\" call")
	}
}

// checkTestMethod reports a test call with a method that may change data,
// unless test.read_only says the provider documents it as read-only.
func checkTestMethod(c *context) {
	if c.m.Test == nil || c.m.Test.ReadOnly {
		return
	}
	switch c.m.Test.Request.Method {
	case "", "GET", "HEAD":
		return
	}
	c.report("/test/request/method", "the test call uses %s, which may change data each time a connection is verified: use a GET or HEAD call, such as the current user or account, or set test.read_only: true if the provider documents this call as read-only", c.m.Test.Request.Method)
}

// checkIdentityMissing reports a manifest without an identity.
func checkIdentityMissing(c *context) {
	if c.m.Identity == "" {
		c.reportKey("", "the manifest has no identity, so connecting the same account twice makes two connections: add identity, such as identity: \"{{ response.id }}\"")
	}
}

// maxRetryWait is the longest wait between two attempts of a token request
// the validator accepts: a user waits on it when connecting.
const maxRetryWait = 5 * time.Minute

// checkRetryBounds reports retry waits over maxRetryWait; the schema bounds
// the attempts.
func checkRetryBounds(c *context) {
	for _, m := range c.methods {
		for _, name := range []string{"token", "refresh", "revoke"} {
			e := endpointOf(m.auth, name)
			if e == nil || e.Retry == nil {
				continue
			}
			if w := time.Duration(e.Retry.MaxWait); w > maxRetryWait {
				c.report(m.ptr+"/"+name+"/retry/max_wait", "%s is %s; at most %s is allowed: a user or an API call waits on the token meanwhile",
					where(m.ptr+"/"+name+"/retry/max_wait"), w, maxRetryWait)
			}
		}
	}
}

// maxRenewBefore is the longest renew_before that is shorter than typical
// token lifetimes (often an hour, sometimes less).
const maxRenewBefore = 30 * time.Minute

// checkRenewBefore reports a renew_before longer than typical token
// lifetimes, with which tokens are renewed on nearly every request.
func checkRenewBefore(c *context) {
	for _, m := range c.methods {
		if d := time.Duration(m.auth.RenewBefore); d > maxRenewBefore {
			c.report(m.ptr+"/renew_before", "renew_before is %s, longer than %s: tokens often live an hour or less, so they would be renewed far too early (the runtime caps it at half a token's lifetime); use 60s to 5m", d, maxRenewBefore)
		}
	}
}
