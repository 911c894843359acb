extension Array {
    /// In an array sorted by `address`, the number of leading elements whose address is at or
    /// below `value` (binary search); the element at the result − 1 is the nearest at or below.
    func countAtOrBelow(_ value: UInt64, address: (Element) -> UInt64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if address(self[mid]) <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
