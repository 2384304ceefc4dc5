# A mixed Ruby workload for bench/Kiln.Benchmarks' ruby mode: method calls, blocks, strings, hashes, arrays.
def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)

words = Hash.new(0)
text = (1..20_000).map { |i| "w#{i % 997}" }.join(" ")
4.times { text.split.each { |w| words[w] += 1 } }

primes = (2..60_000).select { |n| (2..Integer.sqrt(n)).none? { |d| (n % d).zero? } }
sorted = Array.new(100_000) { |i| (i * 7919) % 100_003 }.sort

puts "fib(24)=#{fib(24)} words=#{words.size} primes=#{primes.size} median=#{sorted[sorted.size / 2]}"
