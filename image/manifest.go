package image

import (
	"encoding/json"
	"fmt"
	"io"
)

// The parts of an OCI (or docker schema 2) manifest and image config
// the store reads. Its own types, so that the runtime's binary does not
// carry a registry client (image/fetch does, in mycontainer-image).

type descriptor struct {
	Digest string `json:"digest"`
}

type manifest struct {
	Config descriptor   `json:"config"`
	Layers []descriptor `json:"layers"`
}

// ImageConfig is the image's run configuration, as docker applies it.
type ImageConfig struct {
	Entrypoint []string `json:"Entrypoint"`
	Cmd        []string `json:"Cmd"`
	Env        []string `json:"Env"`
	WorkingDir string   `json:"WorkingDir"`
	User       string   `json:"User"`
}

type configFile struct {
	Config ImageConfig `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// Source is an image to store: its raw manifest and config, and each
// layer by its digest.
type Source interface {
	RawManifest() ([]byte, error)
	RawConfigFile() ([]byte, error)
	Layer(digest string) (Layer, error)
}

// Layer is a layer's blob as sent (compressed or not).
type Layer interface {
	Compressed() (io.ReadCloser, error)
	Size() (int64, error)
}

func parseConfig(raw []byte) (*configFile, error) {
	var cfg configFile
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	if cfg.RootFS.Type != "layers" {
		return nil, fmt.Errorf("image config: rootfs.type %q, want \"layers\"", cfg.RootFS.Type)
	}
	return &cfg, nil
}

// Config reads an image's run configuration from the store (its blob is
// verified against its digest on every read).
func (s *Store) Config(im *Image) (*ImageConfig, error) {
	raw, err := s.readBlob(im.ID)
	if err != nil {
		return nil, err
	}
	cfg, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	return &cfg.Config, nil
}
