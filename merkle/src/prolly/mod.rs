//! Prolly trees.
