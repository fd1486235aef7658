package interp

import "testing"

var benchTemplates = []string{
	"Bearer {{ token.access_token }}",
	"{{ response.company.name }} ({{ fields.environment }})",
	`Basic {{ base64(concat(fields.client_id, ":", fields.client_secret)) }}`,
	"{{ fields.environment }}/v2/contacts/{{ input.id }}?limit={{ input.limit }}",
	"https://{{ fields.subdomain }}.zendesk.com/api/v2/users/me.json",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchTemplates {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchData() Data {
	return Data{
		Fields: map[string]any{
			"environment": "https://api.acme.example", "subdomain": "acme",
			"client_id": "client-123", "client_secret": secret("s3cr3t-value"),
		},
		Token:    map[string]any{"access_token": "eyJhbGciOiJIUzI1NiJ9.payload.signature"},
		Input:    map[string]any{"id": "c/42", "limit": 50},
		Response: map[string]any{"company": map[string]any{"name": "Acme Inc"}},
	}
}

func BenchmarkRender(b *testing.B) {
	d := benchData()
	for _, bc := range []struct{ name, src string }{
		{"header", benchTemplates[0]},
		{"label", benchTemplates[1]},
		{"basic", benchTemplates[2]},
	} {
		tpl := mustParse(b, bc.src)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tpl.Render(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRenderURL(b *testing.B) {
	d := benchData()
	for _, bc := range []struct{ name, src string }{
		{"base+path+query", benchTemplates[3]},
		{"host", benchTemplates[4]},
	} {
		tpl := mustParse(b, bc.src)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tpl.RenderURL(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
