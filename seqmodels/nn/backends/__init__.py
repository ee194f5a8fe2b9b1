"""Ways to run a Recurrent layer on the same parameters: reference, scripted, fused."""
