//! Configuration: TOML, layered CLI > file > defaults, validated at load.
