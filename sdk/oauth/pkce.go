package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/connkit/connkit/manifest"
)

// randomBytes is the entropy of a state and of a PKCE verifier: 256 bits,
// 43 characters once base64url-encoded.
const randomBytes = 32

// random returns randomBytes from crypto/rand, base64url-encoded without
// padding: only RFC 3986 unreserved characters.
func random() string {
	b := make([]byte, randomBytes)
	// crypto/rand.Read never returns an error (it crashes the program
	// rather than hand out weak randomness).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Verifier limits of RFC 7636 section 4.1.
const (
	MinVerifierLen = 43
	MaxVerifierLen = 128
)

// CheckVerifier reports whether v is a valid PKCE code verifier: 43 to 128
// characters from the unreserved set [A-Z] [a-z] [0-9] "-" "." "_" "~".
func CheckVerifier(v string) error {
	if len(v) < MinVerifierLen || len(v) > MaxVerifierLen {
		return fmt.Errorf("code verifier has %d characters, want %d to %d (RFC 7636 section 4.1)", len(v), MinVerifierLen, MaxVerifierLen)
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return fmt.Errorf("code verifier has a character outside [A-Za-z0-9-._~] at offset %d (RFC 7636 section 4.1)", i)
		}
	}
	return nil
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// Challenge returns the code_challenge of a verifier for the method
// (RFC 7636 section 4.2): BASE64URL(SHA256(verifier)) for S256 (and the
// empty method), the verifier itself for plain, "" for none.
func Challenge(method manifest.PKCEMethod, verifier string) string {
	switch method {
	case manifest.PKCEPlain:
		return verifier
	case manifest.PKCENone:
		return ""
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
