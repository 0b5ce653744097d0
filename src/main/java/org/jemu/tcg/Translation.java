package org.jemu.tcg;

/**
 * A translated unit and what the cache needs to know about it: the guest pcs it can be entered at, the guest
 * pages its code came from (for invalidation), sizes for the statistics and the cache budget, and the other
 * block starts it runs through internally ({@code covered}: a request to translate one of these that was
 * made before this unit was installed is dropped — it was hot only because this unit did not exist yet).
 */
public record Translation<U>(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name,
                             long[] covered) {
    public Translation(U unit, long[] entryPcs, long[] pages, int guestInsns, int bytecodeBytes, String name) {
        this(unit, entryPcs, pages, guestInsns, bytecodeBytes, name, new long[0]);
    }
}
