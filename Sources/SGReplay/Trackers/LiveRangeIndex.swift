/// Half-open address ranges `[start, end)` with an owner id each, in an
/// interval treap: a binary search tree ordered by start (newest first among
/// equal starts) whose nodes carry the largest end of their subtree.
///
/// Insert and remove cost O(log n) expected and an overlap query O(log n + k),
/// whatever the ranges' lengths and however many are live: a production live
/// set is not small (a leaky driver keeps every unmapped buffer in it), and a
/// sorted array paid a memmove per insert and remove and scanned back over
/// everything once one long range had been live. Nodes sit in one contiguous
/// array (freed slots are reused), so the index allocates only as it grows.
public struct LiveRangeIndex: Sendable {
    /// One indexed range.
    public struct Entry: Sendable, Hashable {
        public var start: UInt64
        public var end: UInt64
        public var owner: Int
    }

    private struct Node: Sendable {
        var entry: Entry
        /// Insertion order (ties on `start`: newer first).
        var serial: UInt64
        var priority: UInt32
        var left: Int32 = -1
        var right: Int32 = -1
        /// Largest `end` in this subtree.
        var maxEnd: UInt64
    }

    private var nodes: [Node] = []
    private var freeSlots: [Int32] = []
    private var root: Int32 = -1
    private var serial: UInt64 = 0
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Adds `[start, end)` owned by `owner`; empty ranges are ignored.
    public mutating func insert(start: UInt64, end: UInt64, owner: Int) {
        guard end > start else { return }
        serial += 1
        random ^= random << 13; random ^= random >> 7; random ^= random << 17
        let node = Node(entry: Entry(start: start, end: end, owner: owner), serial: serial, priority: UInt32(truncatingIfNeeded: random >> 32), maxEnd: end)
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            nodes[Int(slot)] = node
        } else {
            slot = Int32(nodes.count)
            nodes.append(node)
        }
        let top = root
        root = nodes.withUnsafeMutableBufferPointer { Self.insert(slot, into: top, $0) }
        count += 1
    }

    /// Removes every range of `owner` that starts at `start`.
    public mutating func remove(start: UInt64, owner: Int) {
        while let found = find(start: start, owner: owner) {
            let top = root
            root = nodes.withUnsafeMutableBufferPointer { Self.remove(found, from: top, $0) }
            freeSlots.append(found)
            count -= 1
        }
        if count == 0 {
            nodes.removeAll(keepingCapacity: true)
            freeSlots.removeAll(keepingCapacity: true)
            root = -1
        }
    }

    /// Ranges intersecting `[start, end)`, in start order.
    public func overlapping(start: UInt64, end: UInt64) -> [Entry] {
        guard end > start, root >= 0 else { return [] }
        var result: [Entry] = []
        collect(root, start: start, end: end, into: &result)
        return result
    }

    /// Ranges that contain the whole of `[start, end)` (a point when `end == start + 1`).
    public func containing(start: UInt64, end: UInt64) -> [Entry] {
        overlapping(start: start, end: max(end, start &+ 1)).filter { $0.start <= start && $0.end >= end }
    }

    /// Every entry, in start order.
    public var all: [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(count)
        collect(root, start: 0, end: .max, into: &result, everything: true)
        return result
    }

    // MARK: - Treap
    //
    // The rebalancing works on the node array's buffer directly (static functions over an
    // UnsafeMutableBufferPointer): through the array, every field written paid a uniqueness
    // and a bounds check, which made an insert or remove cost about 1,500 instructions.

    private typealias Nodes = UnsafeMutableBufferPointer<Node>

    /// True when node `a` sorts before node `b`: by start, newer first among equal starts.
    private static func before(_ a: Int32, _ b: Int32, _ nodes: Nodes) -> Bool {
        let x = nodes[Int(a)], y = nodes[Int(b)]
        return x.entry.start < y.entry.start || (x.entry.start == y.entry.start && x.serial > y.serial)
    }

    private static func update(_ t: Int32, _ nodes: Nodes) {
        let n = nodes[Int(t)]
        var m = n.entry.end
        if n.left >= 0 { m = max(m, nodes[Int(n.left)].maxEnd) }
        if n.right >= 0 { m = max(m, nodes[Int(n.right)].maxEnd) }
        nodes[Int(t)].maxEnd = m
    }

    private static func rotateRight(_ t: Int32, _ nodes: Nodes) -> Int32 {
        let l = nodes[Int(t)].left
        nodes[Int(t)].left = nodes[Int(l)].right
        nodes[Int(l)].right = t
        update(t, nodes)
        update(l, nodes)
        return l
    }

    private static func rotateLeft(_ t: Int32, _ nodes: Nodes) -> Int32 {
        let r = nodes[Int(t)].right
        nodes[Int(t)].right = nodes[Int(r)].left
        nodes[Int(r)].left = t
        update(t, nodes)
        update(r, nodes)
        return r
    }

    private static func insert(_ n: Int32, into t: Int32, _ nodes: Nodes) -> Int32 {
        guard t >= 0 else { return n }
        if before(n, t, nodes) {
            let l = insert(n, into: nodes[Int(t)].left, nodes)
            nodes[Int(t)].left = l
            if nodes[Int(l)].priority > nodes[Int(t)].priority { return rotateRight(t, nodes) }
        } else {
            let r = insert(n, into: nodes[Int(t)].right, nodes)
            nodes[Int(t)].right = r
            if nodes[Int(r)].priority > nodes[Int(t)].priority { return rotateLeft(t, nodes) }
        }
        update(t, nodes)
        return t
    }

    /// Removes node `n` (present in the subtree `t`); returns the new subtree root.
    private static func remove(_ n: Int32, from t: Int32, _ nodes: Nodes) -> Int32 {
        guard t >= 0 else { return t }
        if t == n {
            let l = nodes[Int(t)].left, r = nodes[Int(t)].right
            if l < 0 { return r }
            if r < 0 { return l }
            if nodes[Int(l)].priority > nodes[Int(r)].priority {
                let top = rotateRight(t, nodes)
                nodes[Int(top)].right = remove(n, from: nodes[Int(top)].right, nodes)
                update(top, nodes)
                return top
            }
            let top = rotateLeft(t, nodes)
            nodes[Int(top)].left = remove(n, from: nodes[Int(top)].left, nodes)
            update(top, nodes)
            return top
        }
        if before(n, t, nodes) {
            nodes[Int(t)].left = remove(n, from: nodes[Int(t)].left, nodes)
        } else {
            nodes[Int(t)].right = remove(n, from: nodes[Int(t)].right, nodes)
        }
        update(t, nodes)
        return t
    }

    /// The slot of a range of `owner` starting at `start`, if any.
    private func find(start: UInt64, owner: Int) -> Int32? {
        // Equal starts may sit on both sides of a node after rotations: search the whole run.
        var stack: [Int32] = []
        var t = root
        while t >= 0 || !stack.isEmpty {
            if t >= 0 {
                let n = nodes[Int(t)]
                if n.entry.start == start && n.entry.owner == owner { return t }
                if start < n.entry.start {
                    t = n.left
                } else if start > n.entry.start {
                    t = n.right
                } else {
                    stack.append(n.right)
                    t = n.left
                }
            } else {
                t = stack.removeLast()
            }
        }
        return nil
    }

    private func collect(_ t: Int32, start: UInt64, end: UInt64, into result: inout [Entry], everything: Bool = false) {
        guard t >= 0 else { return }
        let n = nodes[Int(t)]
        guard everything || n.maxEnd > start else { return }
        collect(n.left, start: start, end: end, into: &result, everything: everything)
        guard everything || n.entry.start < end else { return }
        if everything || n.entry.end > start { result.append(n.entry) }
        collect(n.right, start: start, end: end, into: &result, everything: everything)
    }
}
