"""Letters to legislators: who they are, and (to come) the letters visitors send them."""
