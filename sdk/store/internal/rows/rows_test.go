package rows

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/connkit/connkit/sdk/secret"
	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/tokens"
)

func keys(t *testing.T) *store.Keyring {
	k, err := store.ParseKeyring("k:" + strings.Repeat("A", 43) + "=")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealedBoundToRecord checks that a sealed value moved to another
// record does not decrypt.
func TestSealedBoundToRecord(t *testing.T) {
	k := keys(t)
	tok := &tokens.Token{AccessToken: secret.New("at"), RefreshToken: secret.New("rt")}
	r, err := SealToken(k, "conn-a", tok)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenToken(k, "conn-a", r); err != nil || !got.RefreshToken.Equal(tok.RefreshToken) {
		t.Fatalf("OpenToken of its own record: %v, %v", got, err)
	}
	if _, err := OpenToken(k, "conn-b", r); err == nil || !strings.Contains(err.Error(), "another record") {
		t.Errorf("OpenToken of a token moved to another connection: %v, want a refusal", err)
	}
	c := &store.Connection{ID: "conn-a", ConnectorID: "x", Status: store.StatusAuthorized,
		Secrets: map[string]secret.Value{"s": secret.New("v")}}
	row, err := SealConn(k, c)
	if err != nil {
		t.Fatal(err)
	}
	row.ID = "conn-b"
	if _, err := OpenConn(k, row); err == nil {
		t.Error("OpenConn of secrets moved to another connection succeeded")
	}
	// A connection's secrets do not open as a token of the same id.
	if _, err := OpenToken(k, "conn-a", Token{KeyID: row.KeyID, Secrets: row.Secrets}); err == nil {
		t.Error("connection secrets opened as a token")
	}
}

func TestClearRoundTrip(t *testing.T) {
	c := &store.Connection{ID: "id", ConnectorID: "x", Status: store.StatusAuthorized,
		Values: map[string]string{"a": "1"}, Secrets: map[string]secret.Value{"s": secret.New("v")}}
	row, err := SealConn(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if row.KeyID != "" || !bytes.Contains(row.Secrets, []byte(`"v"`)) {
		t.Errorf("without a key: key id %q, secrets %q; want them in clear", row.KeyID, row.Secrets)
	}
	got, err := OpenConn(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
