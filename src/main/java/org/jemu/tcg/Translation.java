package org.jemu.tcg;

/**
 * A translated unit and what the cache needs to know about it: the guest pcs it can be entered at, the guest
 * pages its code came from (for invalidation), and sizes for the statistics and the cache budget.
 */
public record Translation<U>(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name) {}
