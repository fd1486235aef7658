// Package interp implements the interpolation language of connkit manifests:
// text with {{ expr }} segments that insert user fields, token values, the
// test call's response or action inputs.
//
// A template is a pure function of the Data passed to it: it never reads the
// environment, files or the network, and its functions have no side effects.
// Parse checks a template once, when the manifest is loaded; a *Template is
// immutable and safe for concurrent use, and rendering it allocates little.
//
// # Syntax
//
// Text outside {{ }} is copied as it is; a single "{" or "}}" needs no
// escape. A literal "{{" is written as a string expression: {{ "{{" }}.
// Whitespace inside the braces, and between the tokens of an expression, is
// optional. The grammar, in the EBNF notation of the Go specification:
//
//	template  = { text | "{{" ws expr ws "}}" } .
//	expr      = ref | string | call .
//	ref       = scope "." segment { "." segment } | "response" .
//	scope     = "fields" | "token" | "response" | "input" .
//	segment   = ident | digits .
//	ident     = ( letter | "_" ) { letter | digit | "_" | "-" } .
//	digits    = digit { digit } .
//	string    = `"` { char | escape } `"` | "'" { char | escape } "'" .
//	escape    = `\\` | `\"` | `\'` | `\n` | `\t` .
//	call      = name ws "(" ws [ expr ws { "," ws expr ws } ] ")" .
//	name      = "base64" | "base64url" | "urlencode" | "concat" |
//	            "lower" | "upper" | "default" .
//	ws        = { " " | "\t" | "\r" | "\n" } .
//	letter    = "A" … "Z" | "a" … "z" .
//	digit     = "0" … "9" .
//
// A reference is written without spaces (fields.client_id, response.items.0.id).
// A digits segment indexes a list; on a map it is an ordinary key. The bare
// scope response stands for the whole response body; the other scopes always
// need a key, so that a template cannot insert every field (secrets included)
// by accident. Expressions do not nest inside one another's braces: write
// {{ base64(fields.a) }}, not {{ base64({{ fields.a }}) }}. Calls nest to a
// depth of 32.
//
// Parse reports the first mistake as a *SyntaxError with the 1-based rune
// column inside the template and a message that says what is wrong and how to
// fix it (an unknown scope or function comes with a "did you mean").
//
// # Scopes
//
//   - fields: the values the user filled in (Data.Fields).
//   - token: the values kept from the token response (Data.Token).
//   - response: the body of the test call's response (Data.Response).
//   - input: an action's inputs (Data.Input).
//
// # Functions
//
// Each function takes a fixed number of arguments, checked by Parse.
// Arguments are converted to text as described under Values.
//
//   - base64(x): standard base64 with padding (RFC 4648 section 4).
//   - base64url(x): URL-safe base64 without padding (RFC 4648 section 5).
//   - urlencode(x): query escaping (a space becomes "+").
//   - concat(a, b, ...): the arguments joined; one or more arguments.
//   - lower(x), upper(x): x in lower or upper case.
//   - default(x, fallback): x, or fallback when x is missing, null or the
//     empty string. A missing reference anywhere inside x selects fallback.
//
// # Values
//
// Data values may be string, bool, any Go integer or float type,
// json.Number, nil, map[string]any, []any, a Revealer (a secret: its Reveal
// text is inserted) or a fmt.Stringer (its String text is inserted). Numbers
// are written in the shortest form that reads back the same (50, not 50.0);
// maps and lists are written as compact JSON with sorted keys. Other types
// are refused with an error.
//
// A reference whose value is absent or null is missing: rendering fails with
// a *MissingError, except inside the first argument of default.
//
// # Rendering
//
// Render produces plain text. RenderValue keeps the type of a template that
// is exactly one reference ({{ input.limit }} stays a number in a JSON body).
// RenderHeader refuses values that contain CR, LF or NUL, so that a value
// cannot add a header. RenderURL escapes every inserted value for its place
// in the URL, found from the text written before it:
//
//   - start (nothing written yet): the value must be an absolute http or
//     https URL with a host and no user information, query or fragment,
//     such as a base URL chosen in a select field or a token's instance_url;
//     its trailing slashes are removed.
//   - scheme (after the start, before "://"): refused.
//   - host (after "scheme://"): the value must be a host-name fragment of
//     ASCII letters, digits, hyphens and dots, with no empty label and no
//     label that starts or ends with a hyphen; it is written in lower case.
//     The whole host it forms with the text around it must be a valid host
//     name, and one that ends in a number must be an IPv4 address (some
//     resolvers read "127.1" or "0x7f.1" as addresses). The host of a base
//     URL inserted at the start is checked the same way.
//   - port (after the host's ":"): digits only, at most 65535.
//   - path: escaped as one path segment (url.PathEscape); a segment made of
//     inserted text that is empty, "." or ".." is refused, since it would
//     change the path.
//   - query: escaped with url.QueryEscape. A call to urlencode written
//     directly in the braces is inserted as it is, since it is already
//     escaped.
//   - fragment: refused; the fragment is never sent to the server.
//
// A template that starts with "/" or "?" is a relative reference and starts
// in the path or query. A template whose literal "@" would turn an inserted
// host or port into user information is refused. The whole result of the
// expression in the braces is checked, whatever function produced it.
//
// Errors never contain rendered values, which may be secrets: they name the
// reference (fields.subdomain) or the expression, the position and the
// reason.
package interp
