"""The association's council (理事会: who sits on it, in which position, for which term), its resident
representatives (民意代表), and its public face (`/c/<slug>/about`)."""
