"""Tests of the IONOS client and of the local IONOS Container Registry stand-in."""
