"""The demo community `demo` (L社区 of T街道), generated from the source's figures."""
