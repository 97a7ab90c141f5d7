package dev.kiln.controller;

/**
 * What is live for a service now: the revision that serves it and how many instances it should
 * have.
 */
public record LiveService(Revision revision, int replicas) {
  public LiveService {
    if (replicas < 0) throw new IllegalArgumentException("replicas < 0");
  }
}
