//go:build unix

package cli

import (
	"os"
	"syscall"

	"github.com/connkit/connkit/manifest"
)

// readManifestFile reads a manifest file, up to the size limit. A run
// reads thousands of small files, so a regular file is read with plain
// system calls: open, fstat, one read of the size fstat gave, close.
// os.Open would add a poller check and Stat another fstat, and a read to
// the end of the file one more read. Other files (pipes, devices, files
// that say they are empty or too large) are read through os.File up to
// the limit.
func readManifestFile(path string) ([]byte, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, pathError(path, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, pathError(path, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size <= 0 || st.Size > manifest.MaxSize {
		f := os.NewFile(uintptr(fd), path)
		defer f.Close()
		data, err := readLimited(f)
		if err != nil {
			return nil, pathError(path, err)
		}
		return data, nil
	}
	defer syscall.Close(fd)
	data := make([]byte, st.Size)
	for off := 0; off < len(data); {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = syscall.Read(fd, data[off:])
			return err
		})
		if err != nil {
			return nil, pathError(path, err)
		}
		if n == 0 {
			// The file shrank since fstat: it ends here.
			return data[:off], nil
		}
		off += n
	}
	return data, nil
}

// ignoringEINTR calls fn until it fails with an error other than EINTR.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
