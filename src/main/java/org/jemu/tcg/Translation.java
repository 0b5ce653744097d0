package org.jemu.tcg;

/**
 * A translated unit and what the cache needs to know about it: the guest pcs it can be entered at, the guest
 * pages its code came from (for invalidation), sizes for the statistics and the cache budget, the other
 * instructions it runs through internally ({@code covered}: a request to translate one of these that was
 * made before this unit was installed is dropped — it was hot only because this unit did not exist yet), and
 * its {@code continuations}: pcs where it stops in the middle of straight-line code (a size cut), which the
 * cache queues for translation as soon as the unit is installed, so a long run becomes a chain of units
 * without going through the interpreter's counting in between.
 */
public record Translation<U>(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name,
                             long[] covered, long[] continuations) {
    public Translation(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name) {
        this(unit, entryPcs, pages, guestInsns, bytecodeBytes, name, new long[0], new long[0]);
    }

    public Translation(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name, long[] covered) {
        this(unit, entryPcs, pages, guestInsns, bytecodeBytes, name, covered, new long[0]);
    }
}
