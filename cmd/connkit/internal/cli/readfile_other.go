//go:build !unix

package cli

import "os"

// readManifestFile reads a manifest file, up to the size limit.
func readManifestFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	defer f.Close()
	data, err := readLimited(f)
	if err != nil {
		return nil, pathError(path, err)
	}
	return data, nil
}
